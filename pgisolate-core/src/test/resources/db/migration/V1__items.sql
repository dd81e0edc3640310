create table item (id serial primary key, name text not null);
