-- Nexmark q17, auction statistics: standard but DATE_FORMAT as date_trunc('day', …) and FILTER (WHERE c) as CASE inside count. The sink uses debezium_json: the result is updating.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT auction, date_trunc('day', datetime) AS day,
  count(*) AS total_bids,
  count(CASE WHEN price < 10000 THEN 1 END) AS rank1_bids,
  count(CASE WHEN price >= 10000 AND price < 1000000 THEN 1 END) AS rank2_bids,
  count(CASE WHEN price >= 1000000 THEN 1 END) AS rank3_bids,
  min(price) AS min_price, max(price) AS max_price, avg(price) AS avg_price, sum(price) AS sum_price
FROM bid
GROUP BY auction, date_trunc('day', datetime);
