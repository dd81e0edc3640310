create table ok (id int);

select from from nowhere;
