create table note (id serial primary key, body text not null);
insert into note (body) values ('seed');
