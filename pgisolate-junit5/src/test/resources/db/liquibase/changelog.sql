--liquibase formatted sql

--changeset pgisolate:1
create table person (id int primary key, name text not null);

--changeset pgisolate:2
insert into person values (1, 'ada'), (2, 'grace'), (3, 'barbara');
