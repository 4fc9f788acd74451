DROP FUNCTION rate_take(text[], float8[], float8[]);

DROP TABLE rate_limits;
