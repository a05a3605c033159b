-- Nexmark q20, expand bid with auction: standard (an updating inner join). The sink uses debezium_json: the result is updating.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;
CREATE VIEW auction AS SELECT auction.id AS id, auction.item_name AS item_name, auction.description AS description,
    auction.initial_bid AS initial_bid, auction.reserve AS reserve, auction.datetime AS datetime, auction.expires AS expires,
    auction.seller AS seller, auction.category AS category, auction.extra AS extra
  FROM nexmark WHERE auction IS NOT NULL;

INSERT INTO out SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.datetime, B.extra,
  A.item_name, A.description, A.initial_bid, A.reserve, A.datetime AS auction_datetime, A.expires, A.seller, A.category, A.extra AS auction_extra
FROM bid AS B INNER JOIN auction AS A ON B.auction = A.id
WHERE A.category = 10;
