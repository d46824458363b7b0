// Tests and benchmarks call the kernels and guards that generated code calls.
global using Compiled.Nets.CompilerServices;
