create table account (
  id bigint primary key,
  owner text not null,
  balance numeric(12, 2) not null check (balance >= 0)
);
