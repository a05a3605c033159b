-- Nexmark q1, currency conversion: standard. 0.908 * price is a FLOAT64 (as in Arroyo/DataFusion), not a DECIMAL as in Flink.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT auction, bidder, 0.908 * price AS price, datetime, extra FROM bid;
