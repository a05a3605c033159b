-- A first pipeline: an impulse source counting up, filtered and projected,
-- printed as JSON lines on stdout. Ends after 10 events.
CREATE TABLE impulse WITH (
  connector = 'impulse',
  event_rate = '100',
  message_count = '10'
);

SELECT counter, counter * counter AS square
FROM impulse
WHERE counter % 2 = 0;
