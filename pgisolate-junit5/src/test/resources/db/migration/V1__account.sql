create table account (id bigint primary key, owner text not null);
