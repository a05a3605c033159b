-- Nexmark q8, monitor new users: standard; TUMBLE(…, 10 s) as Arroyo's tumble(interval '10 seconds'), window_start/window_end as the window struct.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole');
CREATE VIEW person AS SELECT person.id AS id, person.name AS name, person.email_address AS email_address,
    person.credit_card AS credit_card, person.city AS city, person.state AS state, person.datetime AS datetime, person.extra AS extra
  FROM nexmark WHERE person IS NOT NULL;
CREATE VIEW auction AS SELECT auction.id AS id, auction.item_name AS item_name, auction.description AS description,
    auction.initial_bid AS initial_bid, auction.reserve AS reserve, auction.datetime AS datetime, auction.expires AS expires,
    auction.seller AS seller, auction.category AS category, auction.extra AS extra
  FROM nexmark WHERE auction IS NOT NULL;

INSERT INTO out SELECT P.id, P.name, P.window
FROM (
  SELECT id, name, tumble(interval '10 seconds') AS window FROM person GROUP BY id, name, window
) P
JOIN (
  SELECT seller, tumble(interval '10 seconds') AS window FROM auction GROUP BY seller, window
) A
ON P.id = A.seller AND P.window = A.window;
