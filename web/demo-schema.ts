// The table both demo pages start with (the console's and the SSTable page's).
export const DEMO_SCHEMA = `CREATE TABLE demo.events (
  sensor text,
  at timestamp,
  value double,
  tags set<text>,
  PRIMARY KEY (sensor, at)
) WITH CLUSTERING ORDER BY (at DESC);`;
