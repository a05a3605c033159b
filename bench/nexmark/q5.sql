-- Nexmark q5, hot items: standard shape; HOP(TABLE bid, DESCRIPTOR(dateTime), 2 s, 10 s) written as Arroyo's hop(interval '2 seconds', interval '10 seconds') in GROUP BY, and window_start/window_end as the window struct.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT AuctionBids.auction, AuctionBids.num
FROM (
  SELECT auction, count(*) AS num, hop(interval '2 seconds', interval '10 seconds') AS window
  FROM bid GROUP BY auction, window
) AS AuctionBids
JOIN (
  SELECT max(CountBids.num) AS maxn, CountBids.window
  FROM (
    SELECT auction, count(*) AS num, hop(interval '2 seconds', interval '10 seconds') AS window
    FROM bid GROUP BY auction, window
  ) AS CountBids
  GROUP BY CountBids.window
) AS MaxBids
ON AuctionBids.window = MaxBids.window AND AuctionBids.num >= MaxBids.maxn;
