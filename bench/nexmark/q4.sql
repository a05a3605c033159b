-- Nexmark q4, average price per category: standard but the comma join is written as JOIN … ON A.id = B.auction with the BETWEEN in WHERE (an updating join, then two updating aggregates). The sink uses debezium_json: the result is updating.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
CREATE VIEW auction AS SELECT auction.id AS id, auction.item_name AS item_name, auction.description AS description,
    auction.initial_bid AS initial_bid, auction.reserve AS reserve, auction.datetime AS datetime, auction.expires AS expires,
    auction.seller AS seller, auction.category AS category, auction.extra AS extra
  FROM nexmark WHERE auction IS NOT NULL;
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT Q.category, AVG(Q.final)
FROM (
  SELECT MAX(B.price) AS final, A.category
  FROM auction A JOIN bid B ON A.id = B.auction
  WHERE B.datetime BETWEEN A.datetime AND A.expires
  GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
