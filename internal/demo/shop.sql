-- The demo's sample dataset: a small online shop with realistic shapes of
-- data (text, numbers, money, timestamps, jsonb, enums, foreign keys).
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'returned');

CREATE TABLE customers (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    name       text NOT NULL,
    country    char(2) NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE products (
    id          serial PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    title       text NOT NULL,
    price       numeric(10, 2) NOT NULL CHECK (price > 0),
    attributes  jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status      order_status NOT NULL,
    placed_at   timestamptz NOT NULL,
    note        text
);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_items (
    order_id   bigint NOT NULL REFERENCES orders (id),
    product_id integer NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit_price numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

CREATE VIEW revenue_by_country AS
SELECT c.country, sum(i.quantity * i.unit_price) AS revenue
FROM order_items i JOIN orders o ON o.id = i.order_id JOIN customers c ON c.id = o.customer_id
GROUP BY c.country;

COMMENT ON TABLE orders IS 'One row per checkout.';

INSERT INTO customers (email, name, country, created_at)
SELECT 'customer' || g || '@example.com',
       initcap(md5(g::text)::text),
       (ARRAY['DE','FR','US','GB','JP','BR','IN','NL'])[1 + g % 8],
       timestamptz '2024-01-01 00:00:00+00' + (g * interval '7 minutes')
FROM generate_series(1, 20000) g;

INSERT INTO products (sku, title, price, attributes)
SELECT 'SKU-' || lpad(g::text, 6, '0'),
       'Product ' || g || ' ' || substr(md5(g::text), 1, 10),
       round((5 + random() * 495)::numeric, 2),
       jsonb_build_object('color', (ARRAY['red','green','blue','black'])[1 + g % 4], 'weight_g', 100 + g % 900)
FROM generate_series(1, 2000) g;

INSERT INTO orders (customer_id, status, placed_at, note)
SELECT 1 + (g * 7919) % 20000,
       (ARRAY['pending','paid','shipped','delivered','returned']::order_status[])[1 + g % 5],
       timestamptz '2024-06-01 00:00:00+00' + (g * interval '3 minutes'),
       CASE WHEN g % 10 = 0 THEN 'gift wrap please' END
FROM generate_series(1, 60000) g;

INSERT INTO order_items (order_id, product_id, quantity, unit_price)
SELECT o, 1 + ((o * 31 + k * 17) % 2000), 1 + (o + k) % 4, round((5 + ((o * k) % 495))::numeric, 2)
FROM generate_series(1, 60000) o, generate_series(1, 3) k;
