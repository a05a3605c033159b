-- Nexmark q3, local item suggestion: standard (an updating inner join). The sink uses debezium_json: the result is updating.
CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '10000000');
CREATE TABLE out WITH (connector = 'blackhole', format = 'debezium_json');
CREATE VIEW auction AS SELECT auction.id AS id, auction.item_name AS item_name, auction.description AS description,
    auction.initial_bid AS initial_bid, auction.reserve AS reserve, auction.datetime AS datetime, auction.expires AS expires,
    auction.seller AS seller, auction.category AS category, auction.extra AS extra
  FROM nexmark WHERE auction IS NOT NULL;
CREATE VIEW person AS SELECT person.id AS id, person.name AS name, person.email_address AS email_address,
    person.credit_card AS credit_card, person.city AS city, person.state AS state, person.datetime AS datetime, person.extra AS extra
  FROM nexmark WHERE person IS NOT NULL;

INSERT INTO out SELECT P.name, P.city, P.state, A.id
FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
