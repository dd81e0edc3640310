insert into item (name) values ('apple'), ('pear');
