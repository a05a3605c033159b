-- Nexmark q15, bidding statistics: standard but DATE_FORMAT(dateTime, 'yyyy-MM-dd') is date_trunc('day', datetime) and each FILTER (WHERE c) is written as a CASE inside the aggregate (an updating aggregate). The sink uses debezium_json: the result is updating.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT date_trunc('day', datetime) AS day,
  count(*) AS total_bids,
  count(CASE WHEN price < 10000 THEN 1 END) AS rank1_bids,
  count(CASE WHEN price >= 10000 AND price < 1000000 THEN 1 END) AS rank2_bids,
  count(CASE WHEN price >= 1000000 THEN 1 END) AS rank3_bids,
  count(DISTINCT bidder) AS total_bidders,
  count(DISTINCT CASE WHEN price < 10000 THEN bidder END) AS rank1_bidders,
  count(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN bidder END) AS rank2_bidders,
  count(DISTINCT CASE WHEN price >= 1000000 THEN bidder END) AS rank3_bidders,
  count(DISTINCT auction) AS total_auctions,
  count(DISTINCT CASE WHEN price < 10000 THEN auction END) AS rank1_auctions,
  count(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN auction END) AS rank2_auctions,
  count(DISTINCT CASE WHEN price >= 1000000 THEN auction END) AS rank3_auctions
FROM bid
GROUP BY date_trunc('day', datetime);
