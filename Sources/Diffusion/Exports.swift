/// The tokenizer is its own module (Ingest and Deliver use it without the engine); users of
/// the engine see it as part of it, as before.
@_exported import Tokenizer
