// A local emulator of the Telegram Bot API for tests and the playground (issue 3).
