// An empty module: bench/language.ts times a bare `deno run` of it.
