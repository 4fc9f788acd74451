DROP TABLE closures;

DROP TABLE donations;

DROP TABLE topups;

DROP TABLE matching_recipients;

DROP TABLE matchings;

DROP TABLE campaigns;

DROP TABLE recipients;

DROP FUNCTION close_resident();
