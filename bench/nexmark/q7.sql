-- Nexmark q7, highest bid: standard shape; the 10 s TUMBLE is Arroyo's tumble(interval '10 seconds'), and the join is a windowed join on the window (the standard's BETWEEN on window_end is what the window equality expresses).
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT B.auction, B.price, B.bidder, B.datetime, B.extra
FROM (
  SELECT auction, price, bidder, datetime, extra, tumble(interval '10 seconds') AS window
  FROM bid GROUP BY auction, price, bidder, datetime, extra, window
) B
JOIN (
  SELECT max(price) AS maxprice, tumble(interval '10 seconds') AS window
  FROM bid GROUP BY window
) B1
ON B.price = B1.maxprice AND B.window = B1.window;
