package io.ringfile.internal.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Reading from a file. */
@Name("io.ringfile.FileRead")
@Label("File Read")
@Description("Reading from a file, by a Ringfile engine")
public final class FileReadEvent extends OperationEvent {
    @Label("Position")
    @Description("Where in the file, or -1 for the file's own position")
    public long position;

    @Label("Bytes")
    @DataAmount
    public long bytes;
}
