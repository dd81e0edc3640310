create table stock (
  item text primary key,
  quantity int not null check (quantity >= 0)
);
