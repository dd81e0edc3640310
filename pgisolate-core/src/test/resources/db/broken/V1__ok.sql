create table ok (id int);
