"""Instagram Graph API collectors (Business/Creator accounts): hashtag search and mentions/tags."""
