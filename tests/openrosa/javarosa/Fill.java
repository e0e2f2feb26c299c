// Fills an XForm with JavaRosa (ODK Collect's form engine, inside the ODK_Validate.jar that pyxform ships) and
// writes the instance XML exactly as Collect saves it (XFormSerializingVisitor(false), Collect's
// JavaRosaFormController.getFilledInFormXml). Compiled by tests/openrosa/test_collect.py with
// `javac -cp ODK_Validate.jar`.
//
// Usage: java -cp ODK_Validate.jar:DIR Fill FORM.xml MEDIA_DIR ANSWERS.txt OUT.xml
// ANSWERS.txt: one `name=value` per line (select_multiple space-separated; geopoint "lat lon alt acc").
// Media files the form names (jr://file-csv/households.csv) are read from MEDIA_DIR, as Collect does from its
// form media folder. A constraint or required violation exits with status 3 and the question's name.

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.javarosa.core.model.Constants;
import org.javarosa.core.model.actions.setgeopoint.SetGeopointAction;
import org.javarosa.core.model.actions.setgeopoint.SetGeopointActionHandler;
import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.data.DecimalData;
import org.javarosa.core.model.data.GeoPointData;
import org.javarosa.core.model.data.IAnswerData;
import org.javarosa.core.model.data.IntegerData;
import org.javarosa.core.model.data.SelectMultiData;
import org.javarosa.core.model.data.SelectOneData;
import org.javarosa.core.model.data.StringData;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.core.reference.PrefixedRootFactory;
import org.javarosa.core.reference.Reference;
import org.javarosa.core.reference.ReferenceManager;
import org.javarosa.core.services.IPropertyManager;
import org.javarosa.core.services.PropertyManager;
import org.javarosa.core.services.properties.IPropertyRules;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryModel;
import org.javarosa.form.api.FormEntryPrompt;
import org.javarosa.model.xform.XFormSerializingVisitor;
import org.javarosa.xform.parse.XFormParser;
import org.javarosa.xform.util.XFormUtils;

public class Fill {
    /** A form media file on disk, as Collect resolves jr://file-csv/… to its form's media folder. */
    static final class MediaReference implements Reference {
        private final File file;
        private final String uri;

        MediaReference(File file, String uri) {
            this.file = file;
            this.uri = uri;
        }

        public boolean doesBinaryExist() { return file.exists(); }
        public InputStream getStream() throws IOException { return new FileInputStream(file); }
        public String getURI() { return uri; }
        public String getLocalURI() { return file.getAbsolutePath(); }
        public boolean isReadOnly() { return true; }
        public OutputStream getOutputStream() throws IOException { throw new IOException("read only"); }
        public void remove() throws IOException { throw new IOException("read only"); }
        public Reference[] probeAlternativeReferences() { return new Reference[0]; }
    }

    /** Collect's property manager answers the `deviceid` preload with its install id ("collect:" + 16 chars). */
    static final class CollectProperties implements IPropertyManager {
        public List<String> getProperty(String name) {
            String value = getSingularProperty(name);
            return value == null ? null : List.of(value);
        }
        public void setProperty(String name, String value) {}
        public void setProperty(String name, List<String> values) {}
        public String getSingularProperty(String name) {
            return "deviceid".equals(name) ? "collect:JAVAROSAFILLER01" : null;
        }
        public void addRules(IPropertyRules rules) {}
        public List<IPropertyRules> getRules() { return new ArrayList<>(); }
    }

    /** Collect answers `odk:setgeopoint` (the start-geopoint) with the phone's fix once it arrives. */
    static final class PhoneLocation extends SetGeopointAction {
        static String fix = "";

        public void requestLocationUpdates() {
            if (!fix.isEmpty()) saveLocationValue(fix);
        }
    }

    public static void main(String[] args) throws Exception {
        PropertyManager.setPropertyManager(new CollectProperties());
        XFormParser.registerActionHandler(SetGeopointActionHandler.ELEMENT_NAME, new SetGeopointActionHandler() {
            public SetGeopointAction getSetGeopointAction() {
                return new PhoneLocation();
            }
        });
        File media = new File(args[1]);
        ReferenceManager.instance().addReferenceFactory(new PrefixedRootFactory(new String[] {"file-csv", "file", "images"}) {
            protected Reference factory(String terminal, String uri) {
                return new MediaReference(new File(media, terminal), uri);
            }
        });
        Map<String, String> answers = new HashMap<>();
        for (String line : Files.readAllLines(new File(args[2]).toPath(), StandardCharsets.UTF_8)) {
            int equals = line.indexOf('=');
            if (equals > 0) answers.put(line.substring(0, equals), line.substring(equals + 1));
        }
        PhoneLocation.fix = answers.getOrDefault("start_geopoint", "");
        FormDef form = XFormUtils.getFormFromInputStream(new FileInputStream(args[0]));
        form.initialize(true, new InstanceInitializationFactory());  // preloads: instanceID, start
        FormEntryModel model = new FormEntryModel(form);
        FormEntryController controller = new FormEntryController(model);
        int event;
        while ((event = controller.stepToNextEvent()) != FormEntryController.EVENT_END_OF_FORM) {
            if (event != FormEntryController.EVENT_QUESTION) continue;  // no new repeat instances
            FormEntryPrompt prompt = model.getQuestionPrompt();
            String name = prompt.getIndex().getReference().getNameLast();
            String value = answers.get(name);
            if (value == null) continue;
            int result = controller.answerQuestion(prompt.getIndex(), data(prompt.getDataType(), value), true);
            if (result != FormEntryController.ANSWER_OK) {
                System.err.println("answer refused: " + name + " (" + result + ")");
                System.exit(3);
            }
        }
        form.postProcessInstance();  // the end preload, as Collect does when the form is finalized
        byte[] xml = new XFormSerializingVisitor(false).serializeInstance(form.getInstance());
        try (OutputStream out = new FileOutputStream(args[3])) {
            out.write(xml);
        }
    }

    static IAnswerData data(int type, String value) {
        switch (type) {
            case Constants.DATATYPE_INTEGER: return new IntegerData(Integer.parseInt(value));
            case Constants.DATATYPE_DECIMAL: return new DecimalData(Double.parseDouble(value));
            case Constants.DATATYPE_CHOICE: return new SelectOneData(new Selection(value));
            case Constants.DATATYPE_MULTIPLE_ITEMS: {
                List<Selection> selections = new ArrayList<>();
                for (String item : value.split(" ")) selections.add(new Selection(item));
                return new SelectMultiData(selections);
            }
            case Constants.DATATYPE_GEOPOINT: {
                String[] parts = value.split(" ");
                double[] point = new double[parts.length];
                for (int i = 0; i < parts.length; i++) point[i] = Double.parseDouble(parts[i]);
                return new GeoPointData(point);
            }
            default: return new StringData(value);
        }
    }
}
