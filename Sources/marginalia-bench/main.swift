// marginalia-bench BENCH ...: prints benchmark figures (build with -c release).
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "index":
    runIndexBench(arguments: Array(arguments.dropFirst()))
case "site":
    runSiteBench(arguments: Array(arguments.dropFirst()))
case "paged":
    runPagedAttentionBench(arguments: Array(arguments.dropFirst()))
case "suggest":
    runSuggestionBench(arguments: Array(arguments.dropFirst()))
default:
    print("usage: marginalia-bench index CHECKOUT [--runs N] [--skip-clang]\n       marginalia-bench site CHECKOUT [--db DB]\n       marginalia-bench paged [--peers]\n       marginalia-bench suggest --db DB [--runs N] NAME...")
}
