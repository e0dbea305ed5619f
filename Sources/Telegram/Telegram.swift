// The Telegram Bot API client lives here (issue 3).
