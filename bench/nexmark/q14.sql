-- Nexmark q14, calculation: standard but the count_char UDF is written as length(extra) - length(replace(extra, 'c', '')), HOUR(dateTime) as date_part('hour', datetime), and 0.908 * price is FLOAT64.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT auction, bidder, 0.908 * price AS price,
  CASE
    WHEN date_part('hour', datetime) >= 8 AND date_part('hour', datetime) <= 18 THEN 'dayTime'
    WHEN date_part('hour', datetime) <= 6 OR date_part('hour', datetime) >= 20 THEN 'nightTime'
    ELSE 'otherTime'
  END AS bid_time_type,
  datetime, extra, length(extra) - length(replace(extra, 'c', '')) AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
