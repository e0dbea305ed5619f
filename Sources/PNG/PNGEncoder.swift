// RGB8 → PNG through libpng's simplified API (issue 4).
