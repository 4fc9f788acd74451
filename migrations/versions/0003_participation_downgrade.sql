DROP INDEX balances_points_due;

DROP TABLE checkins;

DROP TABLE events;

DROP TABLE programs;
