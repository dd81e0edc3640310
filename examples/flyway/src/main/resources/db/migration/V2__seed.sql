insert into account values (1, 'ada', 100.00), (2, 'grace', 50.00);
