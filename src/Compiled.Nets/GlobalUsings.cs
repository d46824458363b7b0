// The runtime's own code uses the types that generated code calls as freely as the rest.
global using Compiled.Nets.CompilerServices;
