DROP TABLE transit_booking_ends;

DROP TABLE transit_taps;

DROP TABLE transit_booking_holds;

DROP TABLE transit_bookings;

DROP TABLE fare_rules;

DROP TABLE transit_routes;

DROP TABLE transit_operators;
