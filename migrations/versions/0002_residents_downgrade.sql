DROP TABLE residents;
