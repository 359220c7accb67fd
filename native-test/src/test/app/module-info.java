/** A user's application on the module path, as ModulePathTest compiles and runs it: it names Ringfile only. */
module app {
    requires io.ringfile;
}
