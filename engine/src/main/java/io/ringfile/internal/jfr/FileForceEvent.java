package io.ringfile.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Forcing a file's data (and metadata) to its device (fsync, fdatasync). */
@Name("io.ringfile.FileForce")
@Label("File Force")
@Description("Forcing a file's data (and metadata) to its device (fsync, fdatasync), by a Ringfile engine")
public final class FileForceEvent extends OperationEvent {
}
