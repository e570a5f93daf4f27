-- TPC-H-shaped data, generated in DuckDB with SQL alone (the bundled DuckDB
-- has no tpch extension). Set the scale factor first: SET VARIABLE sf = 1;
--
-- The eight tables have the specification's columns, types, row counts
-- (sf x 10,000 suppliers, 150,000 customers, 200,000 parts, 800,000
-- partsupp rows, 1,500,000 orders, about 6,000,000 line items) and value
-- rules: the 25 nations and 5 regions, sparse order keys (8 of every 32),
-- customers whose key is a multiple of 3 have no orders, each part's four
-- suppliers by the specification's formula, retail prices by its formula,
-- order dates up to 1998-08-02, ship/commit/receipt dates relative to the
-- order date, return flags and line status from the 1995-06-17 cut-off,
-- order status and total price from the line items, phone country codes
-- from the nation, and the word lists for types, containers, segments,
-- priorities, ship modes and instructions. Random choices come from
-- hash(key, salt), so a scale factor always gives the same data. Comments
-- are drawn from a small vocabulary that includes the words the queries
-- look for (special requests, Customer Complaints, green, forest).

CREATE OR REPLACE MACRO tpch_rand(k, salt, lo, hi) AS
  CAST(lo + CAST(hash(k, salt) % CAST(hi - lo + 1 AS UBIGINT) AS BIGINT) AS BIGINT);
CREATE OR REPLACE MACRO tpch_pick(list, k, salt) AS list[tpch_rand(k, salt, 1, len(list))];
CREATE OR REPLACE MACRO tpch_text(k, salt, n) AS array_to_string(list_transform(range(n), i -> tpch_pick(
  ['furiously', 'special', 'requests', 'carefully', 'final', 'deposits', 'blithely', 'regular', 'accounts',
   'quickly', 'ironic', 'packages', 'slyly', 'pending', 'foxes', 'bold', 'instructions', 'Customer', 'theodolites',
   'Complaints', 'express', 'platelets', 'even', 'pinto', 'beans', 'unusual', 'dependencies', 'silent', 'asymptotes',
   'across', 'according', 'to', 'the', 'above', 'among', 'wake', 'sleep', 'haggle', 'nag', 'use'], k, salt * 100 + i)), ' ');
CREATE OR REPLACE MACRO tpch_money(k, salt, lo_cents, hi_cents) AS
  CAST(tpch_rand(k, salt, lo_cents, hi_cents) / 100 AS DECIMAL(15, 2));
CREATE OR REPLACE MACRO tpch_phone(nation, k, salt) AS
  CAST(nation + 10 AS VARCHAR) || '-' || tpch_rand(k, salt, 100, 999) || '-' || tpch_rand(k, salt + 1, 100, 999) ||
  '-' || tpch_rand(k, salt + 2, 1000, 9999);
-- The specification's retail price of part k, and the i-th of its four suppliers among s.
CREATE OR REPLACE MACRO tpch_retailprice(k) AS CAST((90000 + ((k // 10) % 20001) + 100 * (k % 1000)) / 100 AS DECIMAL(15, 2));
CREATE OR REPLACE MACRO tpch_partsupplier(k, i, s) AS CAST((k + (i * ((s // 4) + (k - 1) // s))) % s + 1 AS INTEGER);

CREATE OR REPLACE TABLE region AS
SELECT CAST(r_regionkey AS INTEGER) AS r_regionkey, r_name, tpch_text(r_regionkey, 1, 8) AS r_comment
FROM (VALUES (0, 'AFRICA'), (1, 'AMERICA'), (2, 'ASIA'), (3, 'EUROPE'), (4, 'MIDDLE EAST')) AS v(r_regionkey, r_name);

CREATE OR REPLACE TABLE nation AS
SELECT CAST(n_nationkey AS INTEGER) AS n_nationkey, n_name, CAST(n_regionkey AS INTEGER) AS n_regionkey,
       tpch_text(n_nationkey, 2, 10) AS n_comment
FROM (VALUES (0, 'ALGERIA', 0), (1, 'ARGENTINA', 1), (2, 'BRAZIL', 1), (3, 'CANADA', 1), (4, 'EGYPT', 4),
             (5, 'ETHIOPIA', 0), (6, 'FRANCE', 3), (7, 'GERMANY', 3), (8, 'INDIA', 2), (9, 'INDONESIA', 2),
             (10, 'IRAN', 4), (11, 'IRAQ', 4), (12, 'JAPAN', 2), (13, 'JORDAN', 4), (14, 'KENYA', 0),
             (15, 'MOROCCO', 0), (16, 'MOZAMBIQUE', 0), (17, 'PERU', 1), (18, 'CHINA', 2), (19, 'ROMANIA', 3),
             (20, 'SAUDI ARABIA', 4), (21, 'VIETNAM', 2), (22, 'RUSSIA', 3), (23, 'UNITED KINGDOM', 3),
             (24, 'UNITED STATES', 1)) AS v(n_nationkey, n_name, n_regionkey);

CREATE OR REPLACE TABLE supplier AS
SELECT CAST(k AS INTEGER) AS s_suppkey, 'Supplier#' || lpad(CAST(k AS VARCHAR), 9, '0') AS s_name,
       tpch_text(k, 3, 3) AS s_address, CAST(nation AS INTEGER) AS s_nationkey, tpch_phone(nation, k, 4) AS s_phone,
       tpch_money(k, 7, -99999, 999999) AS s_acctbal, tpch_text(k, 8, 9) AS s_comment
FROM (SELECT range AS k, tpch_rand(range, 9, 0, 24) AS nation
      FROM range(1, CAST(greatest(getvariable('sf') * 10000, 1) AS BIGINT) + 1));

CREATE OR REPLACE TABLE customer AS
SELECT CAST(k AS INTEGER) AS c_custkey, 'Customer#' || lpad(CAST(k AS VARCHAR), 9, '0') AS c_name,
       tpch_text(k, 10, 3) AS c_address, CAST(nation AS INTEGER) AS c_nationkey, tpch_phone(nation, k, 11) AS c_phone,
       tpch_money(k, 14, -99999, 999999) AS c_acctbal,
       tpch_pick(['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'], k, 15) AS c_mktsegment,
       tpch_text(k, 16, 10) AS c_comment
FROM (SELECT range AS k, tpch_rand(range, 17, 0, 24) AS nation
      FROM range(1, CAST(greatest(getvariable('sf') * 150000, 1) AS BIGINT) + 1));

CREATE OR REPLACE TABLE part AS
SELECT CAST(k AS INTEGER) AS p_partkey,
       array_to_string(list_transform(range(5), i -> tpch_pick(
         ['almond', 'antique', 'aquamarine', 'azure', 'beige', 'bisque', 'black', 'blanched', 'blue', 'blush',
          'brown', 'burlywood', 'burnished', 'chartreuse', 'chiffon', 'chocolate', 'coral', 'cornflower', 'cornsilk',
          'cream', 'cyan', 'dark', 'deep', 'dim', 'dodger', 'drab', 'firebrick', 'floral', 'forest', 'frosted',
          'gainsboro', 'ghost', 'goldenrod', 'green', 'grey', 'honeydew', 'hot', 'indian', 'ivory', 'khaki', 'lace',
          'lavender', 'lawn', 'lemon', 'light', 'lime', 'linen', 'magenta', 'maroon', 'medium', 'metallic',
          'midnight', 'mint', 'misty', 'moccasin', 'navajo', 'navy', 'olive', 'orange', 'orchid', 'pale',
          'papaya', 'peach', 'peru', 'pink', 'plum', 'powder', 'puff', 'purple', 'red', 'rose', 'rosy', 'royal',
          'saddle', 'salmon', 'sandy', 'seashell', 'sienna', 'sky', 'slate', 'smoke', 'snow', 'spring', 'steel',
          'tan', 'thistle', 'tomato', 'turquoise', 'violet', 'wheat', 'white', 'yellow'], k, 20 * 100 + i)), ' ')
         AS p_name,
       'Manufacturer#' || m AS p_mfgr, 'Brand#' || m || tpch_rand(k, 22, 1, 5) AS p_brand,
       tpch_pick(['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'], k, 23) || ' ' ||
         tpch_pick(['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'], k, 24) || ' ' ||
         tpch_pick(['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'], k, 25) AS p_type,
       CAST(tpch_rand(k, 26, 1, 50) AS INTEGER) AS p_size,
       tpch_pick(['SM', 'LG', 'MED', 'JUMBO', 'WRAP'], k, 27) || ' ' ||
         tpch_pick(['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'], k, 28) AS p_container,
       tpch_retailprice(k) AS p_retailprice, tpch_text(k, 29, 4) AS p_comment
FROM (SELECT range AS k, tpch_rand(range, 21, 1, 5) AS m
      FROM range(1, CAST(greatest(getvariable('sf') * 200000, 1) AS BIGINT) + 1));

CREATE OR REPLACE TABLE partsupp AS
SELECT p_partkey AS ps_partkey, tpch_partsupplier(p_partkey, i, s) AS ps_suppkey,
       CAST(tpch_rand(p_partkey * 4 + i, 30, 1, 9999) AS INTEGER) AS ps_availqty,
       tpch_money(p_partkey * 4 + i, 31, 100, 100000) AS ps_supplycost, tpch_text(p_partkey * 4 + i, 32, 12) AS ps_comment
FROM part, range(4) AS r(i), (SELECT count(*) AS s FROM supplier);

-- Orders without their status and total, which come from their line items.
CREATE OR REPLACE TEMP TABLE tpch_orders AS
SELECT (j // 8) * 32 + (j % 8) + 1 AS o_orderkey,
       CAST(CASE WHEN c % 3 = 0 THEN c - 1 ELSE c END AS INTEGER) AS o_custkey,
       CAST(DATE '1992-01-01' + CAST(tpch_rand(j, 41, 0, 2405) AS INTEGER) AS DATE) AS o_orderdate,
       tpch_pick(['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'], j, 42) AS o_orderpriority,
       'Clerk#' || lpad(CAST(tpch_rand(j, 43, 1, greatest(getvariable('sf') * 1000, 1)) AS VARCHAR), 9, '0') AS o_clerk,
       CAST(0 AS INTEGER) AS o_shippriority, tpch_text(j, 44, 6) AS o_comment,
       CAST(tpch_rand(j, 45, 1, 7) AS INTEGER) AS lines
FROM (SELECT range AS j, tpch_rand(range, 40, 1, (SELECT count(*) FROM customer)) AS c
      FROM range(CAST(greatest(getvariable('sf') * 1500000, 1) AS BIGINT)));

CREATE OR REPLACE TABLE lineitem AS
SELECT l_orderkey, l_partkey, tpch_partsupplier(l_partkey, tpch_rand(h, 52, 0, 3), s) AS l_suppkey, l_linenumber,
       CAST(quantity AS DECIMAL(15, 2)) AS l_quantity,
       CAST(quantity * tpch_retailprice(l_partkey) AS DECIMAL(15, 2)) AS l_extendedprice,
       tpch_money(h, 53, 0, 10) AS l_discount, tpch_money(h, 54, 0, 8) AS l_tax,
       CASE WHEN l_receiptdate <= DATE '1995-06-17' THEN tpch_pick(['R', 'A'], h, 55) ELSE 'N' END AS l_returnflag,
       CASE WHEN l_shipdate > DATE '1995-06-17' THEN 'O' ELSE 'F' END AS l_linestatus,
       l_shipdate, l_commitdate, l_receiptdate,
       tpch_pick(['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'], h, 56) AS l_shipinstruct,
       tpch_pick(['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'], h, 57) AS l_shipmode,
       tpch_text(h, 58, 4) AS l_comment
FROM (SELECT *, CAST(l_shipdate + CAST(tpch_rand(h, 59, 1, 30) AS INTEGER) AS DATE) AS l_receiptdate
      FROM (SELECT o.o_orderkey AS l_orderkey, CAST(n AS INTEGER) AS l_linenumber, o.o_orderkey * 8 + n AS h,
                   CAST(tpch_rand(o.o_orderkey * 8 + n, 50, 1, (SELECT count(*) FROM part)) AS INTEGER) AS l_partkey,
                   tpch_rand(o.o_orderkey * 8 + n, 51, 1, 50) AS quantity,
                   CAST(o.o_orderdate + CAST(tpch_rand(o.o_orderkey * 8 + n, 60, 1, 121) AS INTEGER) AS DATE) AS l_shipdate,
                   CAST(o.o_orderdate + CAST(tpch_rand(o.o_orderkey * 8 + n, 61, 30, 90) AS INTEGER) AS DATE) AS l_commitdate
            FROM tpch_orders o, range(1, 8) AS r(n)
            WHERE n <= o.lines)),
     (SELECT count(*) AS s FROM supplier);

CREATE OR REPLACE TABLE orders AS
SELECT o.o_orderkey, o.o_custkey,
       CASE WHEN t.open = 0 THEN 'F' WHEN t.open = t.lines THEN 'O' ELSE 'P' END AS o_orderstatus,
       CAST(t.total AS DECIMAL(15, 2)) AS o_totalprice, o.o_orderdate, o.o_orderpriority, o.o_clerk, o.o_shippriority,
       o.o_comment
FROM tpch_orders o
JOIN (SELECT l_orderkey, count(*) AS lines, count(*) FILTER (WHERE l_linestatus = 'O') AS open,
             sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) AS total
      FROM lineitem GROUP BY l_orderkey) t ON t.l_orderkey = o.o_orderkey
ORDER BY o.o_orderkey;

DROP TABLE tpch_orders;
