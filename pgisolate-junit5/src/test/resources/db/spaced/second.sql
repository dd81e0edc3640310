insert into note (body) values ('second');
