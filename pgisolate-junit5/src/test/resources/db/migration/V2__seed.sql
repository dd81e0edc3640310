insert into account values (1, 'ada'), (2, 'grace');
