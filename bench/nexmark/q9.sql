-- Nexmark q9, winning bids: standard (ROW_NUMBER over an updating join, not windowed) but the comma join is written as JOIN … ON.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
CREATE VIEW auction AS SELECT auction.id AS id, auction.item_name AS item_name, auction.description AS description,
    auction.initial_bid AS initial_bid, auction.reserve AS reserve, auction.datetime AS datetime, auction.expires AS expires,
    auction.seller AS seller, auction.category AS category, auction.extra AS extra
  FROM nexmark WHERE auction IS NOT NULL;
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT id, item_name, description, initial_bid, reserve, datetime, expires, seller, category, extra,
  auction, bidder, price, bid_datetime, bid_extra
FROM (
  SELECT A.*, B.auction, B.bidder, B.price, B.datetime AS bid_datetime, B.extra AS bid_extra,
    ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.datetime ASC) AS rownum
  FROM auction A JOIN bid B ON A.id = B.auction
  WHERE B.datetime BETWEEN A.datetime AND A.expires
)
WHERE rownum <= 1;
