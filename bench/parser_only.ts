// Loads the parser module and nothing else: what Chevrotain's import and
// the construction of the lexer and parser cost (bench/language.ts times it).
import "../dsl/parser.ts";
