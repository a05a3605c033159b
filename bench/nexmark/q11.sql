-- Nexmark q11, user sessions: standard; SESSION(dateTime, 10 s) as Arroyo's session(interval '10 seconds'), SESSION_START/END as the window struct.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT bidder, count(*) AS bid_count, session(interval '10 seconds') AS window
FROM bid GROUP BY bidder, window;
