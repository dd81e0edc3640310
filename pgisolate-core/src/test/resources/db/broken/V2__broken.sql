-- a migration with a typo on line 3
insert into ok values (1);
create tabel b (id int);
