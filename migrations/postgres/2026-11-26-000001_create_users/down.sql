DROP TABLE luffy_user;
