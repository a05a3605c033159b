-- Nexmark q21, add channel id: standard but REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2) is regexp_match(url, '(&|^)channel_id=([^&]*)')[2] (DataFusion's list-returning form, 1-based).
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole');
CREATE VIEW bid AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, bid.channel AS channel,
    bid.url AS url, bid.datetime AS datetime, bid.extra AS extra
  FROM nexmark WHERE bid IS NOT NULL;

INSERT INTO out SELECT auction, bidder, price, channel,
  CASE
    WHEN lower(channel) = 'apple' THEN '0'
    WHEN lower(channel) = 'google' THEN '1'
    WHEN lower(channel) = 'facebook' THEN '2'
    WHEN lower(channel) = 'baidu' THEN '3'
    ELSE regexp_match(url, '(&|^)channel_id=([^&]*)')[2]
  END AS channel_id
FROM bid
WHERE regexp_match(url, '(&|^)channel_id=([^&]*)')[2] IS NOT NULL OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu');
