// marginalia-bench BENCH: prints benchmark figures (build with -c release).
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "paged":
    runPagedAttentionBench(arguments: Array(arguments.dropFirst()))
default:
    print("usage: marginalia-bench paged")
}
