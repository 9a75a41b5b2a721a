// Placeholder until the service lands; see issue 3.
return 0;
