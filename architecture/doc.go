// Package architecture holds the test that keeps vigie's package
// dependencies as ARCHITECTURE.md describes them: the evidence model and
// the names leaf import nothing of vigie's; checks read only the model and
// the names; reports never reach the collectors; collectors never judge;
// nothing imports the command. It has no code of its own.
package architecture
