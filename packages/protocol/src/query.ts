// Query language types: see docs/query-language.md.
export {};
