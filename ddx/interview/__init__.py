"""The interview front end: one session of questions and its terminal."""
