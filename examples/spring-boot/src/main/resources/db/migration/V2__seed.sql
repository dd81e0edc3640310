insert into stock (item, quantity) values ('apple', 10), ('pear', 3);
