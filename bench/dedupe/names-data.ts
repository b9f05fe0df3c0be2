// Name, business and place data for the synthetic contact generator (generator.ts). Lists are in
// rough order of popularity within each region: the generator draws from them with a Zipf-like
// skew, so "Rahul Sharma" is common and "Tanmoy Majumdar" rare, as in real registries.

export interface Region {
  name: string;
  /** Share of the population (relative weight). */
  weight: number;
  male: string[];
  female: string[];
  surnames: string[];
  /** Optional middle names (used by ~25% of people in the region). */
  middle: string[];
  /** First three digits of the region's pincodes (postal districts). */
  pinPrefixes: string[];
  cities: string[];
  state: string;
}

const w = (s: string): string[] => s.trim().split(/\s+/);

export const REGIONS: Region[] = [
  {
    name: 'hindi',
    weight: 34,
    state: 'Uttar Pradesh',
    male: w(`Rahul Amit Rajesh Sunil Anil Vijay Sanjay Manoj Ravi Deepak Ashok Rakesh Pankaj Vikas Arun Ajay Sandeep Vinod Mukesh Pradeep
      Naveen Rohit Ankit Gaurav Saurabh Abhishek Nitin Vivek Alok Ramesh Suresh Dinesh Mahesh Yogesh Rajendra Narendra Surendra
      Devendra Harish Satish Girish Kamal Manish Ashish Anuj Varun Tarun Kunal Himanshu Shubham Akash Aman Ankur Puneet Lalit Hemant
      Jitendra Krishna Gopal Shyam Mohan Sohan Ram Shiv Om Prem Dharmendra Virendra Shailendra Brijesh Rajeev Sudhir Pramod Umesh
      Santosh Rajkumar Raghav Aditya Arjun Dhruv Kartik Mayank Prateek Rishabh Siddharth Utkarsh Vaibhav Yash Piyush Nikhil`),
    female: w(`Priya Pooja Neha Anjali Sunita Anita Kavita Rekha Seema Sarita Geeta Meena Suman Asha Usha Nisha Ritu Shweta Swati Preeti
      Sonia Manju Kiran Rani Lakshmi Savita Mamta Renu Poonam Divya Shikha Ruchi Megha Komal Jyoti Aarti Shalini Sapna Vandana
      Archana Sangeeta Nidhi Rashmi Sakshi Shivani Sneha Tanvi Kriti Anamika Babita Pushpa Kusum Radha Sita Urmila Pratibha Shobha`),
    surnames: w(`Sharma Verma Gupta Agarwal Singh Kumar Yadav Mishra Pandey Tiwari Srivastava Chauhan Saxena Jain Bansal Goel Mittal
      Chaudhary Rathore Shukla Tripathi Dubey Dwivedi Trivedi Chaturvedi Bhatt Joshi Malhotra Kapoor Khanna Mehra Arora Sethi Bhatia
      Chopra Tandon Rastogi Awasthi Bajpai Rajput Thakur Meena Gaur Sinha Prasad Jha Mahto Kushwaha Maurya Rawat Negi Bisht
      Upadhyay Ojha Pathak Dixit Nigam Bhargava Vyas Soni Garg Singhal Goyal Jindal Aggarwal Khandelwal Maheshwari Tyagi`),
    middle: w('Kumar Prakash Chandra Nath Prasad Kumari Devi Rani'),
    pinPrefixes: w('110 201 202 203 208 211 221 226 231 241 242 243 244 250 251 262 273 282 284 302 303 305 313 324 400 452 462 474 482 800 803 812 821 831 842 845 846'),
    cities: w('Lucknow Kanpur Delhi Agra Varanasi Prayagraj Meerut Jaipur Indore Bhopal Patna Gwalior Noida Ghaziabad Jabalpur'),
  },
  {
    name: 'punjabi',
    weight: 4,
    state: 'Punjab',
    male: w(`Gurpreet Harpreet Manpreet Jaspreet Simranjeet Kulwinder Balwinder Sukhwinder Amarjeet Paramjeet Harjinder Jaswinder
      Navjot Gurmeet Hardeep Kuldeep Jagdeep Ranjit Baljit Satnam Lakhwinder Gurdeep Inderjit Rajinder Davinder`),
    female: w('Gurpreet Harpreet Manpreet Jaspreet Simran Navneet Amandeep Kiranjeet Rajwinder Sukhjeet Baljeet Harleen Jasleen Gurleen Ravneet'),
    surnames: w('Singh Kaur Gill Sandhu Sidhu Dhillon Grewal Brar Bajwa Randhawa Sekhon Virk Cheema Bains Johal Mann Aulakh Dhaliwal Sahota Walia'),
    middle: w('Singh Kaur'),
    pinPrefixes: w('140 141 142 143 144 145 146 147 148 151 152 160'),
    cities: w('Ludhiana Amritsar Jalandhar Patiala Bathinda Mohali Chandigarh'),
  },
  {
    name: 'west',
    weight: 17,
    state: 'Maharashtra',
    male: w(`Sachin Rahul Amol Prashant Sagar Nilesh Mahesh Ganesh Santosh Sandip Tushar Swapnil Vaibhav Hardik Jignesh Chirag Ketan
      Bhavesh Paresh Nikhil Aniket Omkar Pratik Rohan Shrikant Sameer Umesh Dattatray Vishal Yogesh Hitesh Mitesh Dhaval Kalpesh
      Rakesh Mehul Jayesh Nirav Parth Harsh Kiran Sunil Dilip Vilas Sanjay Ajit Anand Milind Mangesh`),
    female: w(`Sneha Pallavi Ashwini Snehal Prajakta Madhuri Varsha Komal Hetal Nidhi Krupa Bhavna Jigna Shraddha Pooja Priyanka
      Manisha Vaishali Rupali Sonali Dipali Kajal Payal Dhara Foram Riddhi Khushbu Janhavi Aishwarya Ketaki`),
    surnames: w(`Patil Deshmukh Kulkarni Joshi Jadhav Pawar Shinde More Gaikwad Chavan Kadam Deshpande Patel Shah Mehta Desai Modi
      Parikh Trivedi Solanki Parmar Rathod Thakkar Gandhi Naik Sawant Bhosale Salunkhe Mane Kale Gokhale Apte Rane Shirke Kamble
      Waghmare Shaikh Panchal Dave Pandya Bhatt Vora Chokshi Soni Mistry Prajapati Vaghela Jhala`),
    middle: w('Ramesh Suresh Prakash Vasant Ashok Kumar Bhai Ben'),
    pinPrefixes: w('400 401 410 411 412 413 414 415 416 421 422 424 431 440 444 360 361 362 363 364 370 380 382 383 384 388 390 391 392 394 395 396'),
    cities: w('Mumbai Pune Nagpur Nashik Thane Aurangabad Kolhapur Solapur Ahmedabad Surat Vadodara Rajkot Bhavnagar Anand'),
  },
  {
    name: 'tamil',
    weight: 8,
    state: 'Tamil Nadu',
    male: w(`Senthil Murugan Karthik Saravanan Venkatesh Ramesh Suresh Balaji Srinivasan Ganesh Rajkumar Arun Vignesh Prakash Anand
      Sathish Dinesh Gopinath Selvam Kumaravel Arjun Manikandan Ramkumar Sivakumar Muthu Raja Pandian Elango Velmurugan Kannan
      Sundar Thirumalai Ashok Bharath Gokul Hari Naveen Prabhu Raghu Vijay`),
    female: w(`Lakshmi Priya Divya Kavitha Revathi Meenakshi Deepa Saranya Gayathri Anitha Vijayalakshmi Janani Sangeetha Malathi
      Bhuvana Kalaivani Nandhini Parvathi Radhika Selvi Sumathi Tamilselvi Uma Valli Yamuna Keerthana Abinaya Dharani Pavithra`),
    surnames: w(`Iyer Iyengar Pillai Mudaliar Chettiar Nadar Gounder Krishnan Raman Subramanian Natarajan Rajan Sundaram Venkataraman
      Ramasamy Murugesan Palanisamy Shanmugam Balasubramanian Ramachandran Arumugam Kandasamy Perumal Thangavel Periyasamy
      Annamalai Chandrasekaran Duraisamy Kaliappan Loganathan`),
    middle: w('S K R M P V'),
    pinPrefixes: w('600 601 602 603 604 605 606 607 608 609 610 611 612 613 614 620 621 622 623 624 625 626 627 628 629 630 631 632 635 636 637 638 639 641 642 643'),
    cities: w('Chennai Coimbatore Madurai Tiruchirappalli Salem Tirunelveli Erode Vellore Thanjavur Tiruppur'),
  },
  {
    name: 'telugu',
    weight: 7,
    state: 'Telangana',
    male: w(`Venkata Srinivas Ravi Naresh Suresh Ramesh Mahesh Kiran Praveen Sai Raju Krishna Nagaraju Srikanth Chandra Rambabu
      Satyanarayana Venkateswarlu Anjaneyulu Prasad Ramana Sudhakar Vamsi Chaitanya Harish Phani Pavan Teja Karthik Sridhar`),
    female: w('Lakshmi Padma Sravani Swathi Bhavani Sirisha Madhavi Sujatha Anusha Haritha Sravanthi Manasa Keerthi Durga Sailaja Vani Jyothi Radha Hymavathi'),
    surnames: w('Reddy Rao Naidu Chowdary Raju Varma Sastry Murthy Goud Yadav Setty Prasad Babu Kumar Chary Nayudu Sharma Gupta Kamma Rayudu'),
    middle: w('Venkata Sai Naga Sri Rama Siva Lakshmi'),
    pinPrefixes: w('500 501 502 503 504 505 506 507 508 509 515 516 517 518 520 521 522 523 524 530 531 532 533 534'),
    cities: w('Hyderabad Warangal Vijayawada Visakhapatnam Guntur Nellore Tirupati Karimnagar Kakinada'),
  },
  {
    name: 'kannada',
    weight: 5,
    state: 'Karnataka',
    male: w('Manjunath Nagesh Raghavendra Prasanna Shivakumar Basavaraj Mallikarjun Chandrashekar Harish Girish Mahesh Ravi Santosh Srinivas Vinay Pradeep Ramesh Naveen Sunil Kiran'),
    female: w('Shilpa Rashmi Sowmya Deepika Kavya Lakshmi Shwetha Sahana Pallavi Roopa Bhavya Chaitra Nandini Pooja Ramya'),
    surnames: w('Gowda Hegde Shetty Bhat Rao Kamath Nayak Patil Kulkarni Naik Acharya Shenoy Pai Prabhu Hebbar Murthy Swamy Reddy'),
    middle: w('K M S N B'),
    pinPrefixes: w('560 561 562 563 570 571 572 573 574 575 576 577 580 581 582 583 584 585 586 587 590 591'),
    cities: w('Bengaluru Mysuru Mangaluru Hubballi Belagavi Davanagere Ballari Shivamogga Tumakuru Udupi'),
  },
  {
    name: 'kerala',
    weight: 3,
    state: 'Kerala',
    male: w('Anil Sunil Biju Shaji Rajeev Sreejith Vineeth Arjun Jithin Renjith Sajan Jomon Tomy Shibu Praveen Manoj Sanal Abhilash Vishnu Akhil'),
    female: w('Anjali Reshma Sreeja Divya Aswathy Athira Lekshmi Anju Soumya Remya Neethu Jincy Sheeba Bindu Maya Sindhu Sreelakshmi Arya'),
    surnames: w('Nair Menon Pillai Kurup Panicker Varghese Thomas Joseph Mathew George Kurian Philip Jacob Chacko Namboothiri Warrier Nambiar Unnithan'),
    middle: w('K P S T M'),
    pinPrefixes: w('670 671 673 676 678 679 680 682 683 685 686 688 689 690 691 695'),
    cities: w('Thiruvananthapuram Kochi Kozhikode Thrissur Kollam Kannur Kottayam Palakkad Alappuzha'),
  },
  {
    name: 'bengali',
    weight: 8,
    state: 'West Bengal',
    male: w(`Subhash Debashish Soumya Arindam Sourav Abhijit Partha Sandip Tapas Amit Sujit Biswajit Prasenjit Anirban Kaushik Subrata
      Tanmoy Sudip Rajib Dipankar Goutam Pranab Ashim Sanjib Indranil Saikat Arnab Avijit Subir Shyamal`),
    female: w('Moumita Rupa Sudipta Mousumi Tanushree Sreya Paramita Rituparna Shampa Sharmila Mitali Rina Soma Dipanwita Susmita Papiya Ananya Debjani Sanchita'),
    surnames: w(`Banerjee Chatterjee Mukherjee Ganguly Bhattacharya Chakraborty Das Dutta Ghosh Bose Sen Roy Saha Mondal Sarkar Biswas
      Paul Pal Dey Majumdar Mitra Guha Basu Kar Nandi Halder Sinha Maity Pramanik Chowdhury`),
    middle: w('Kumar Chandra Ranjan Prasad Rani'),
    pinPrefixes: w('700 711 712 713 721 722 731 732 733 734 735 736 741 742 743'),
    cities: w('Kolkata Howrah Durgapur Asansol Siliguri Kharagpur Bardhaman Haldia'),
  },
  {
    name: 'east',
    weight: 5,
    state: 'Odisha',
    male: w('Pradeep Sanjay Ranjan Bibhuti Pradyumna Debasis Manas Sibaram Jagannath Biswanath Rabindra Niranjan Prasanta Dipak Bikash Hemanta Dhruba Pranjal Bhaskar Nabajit'),
    female: w('Sasmita Sunita Pragyan Lipsa Smita Mamata Sabita Bandana Gitanjali Rupali Jonali Pranami Dipsikha Mridula'),
    surnames: w('Mohanty Patnaik Sahu Behera Nayak Mishra Panda Swain Das Rout Pradhan Jena Mohapatra Bora Baruah Gogoi Saikia Kalita Deka Hazarika'),
    middle: w('Kumar Ranjan Prasad Chandra'),
    pinPrefixes: w('751 752 753 754 755 756 757 759 760 761 762 768 770 781 782 783 784 785 786 787'),
    cities: w('Bhubaneswar Cuttack Rourkela Sambalpur Berhampur Guwahati Dibrugarh Jorhat Silchar'),
  },
  {
    name: 'muslim',
    weight: 9,
    state: 'Uttar Pradesh',
    male: w(`Imran Irfan Salman Faisal Aamir Arif Asif Javed Shahid Rashid Zakir Nadeem Wasim Tariq Iqbal Rizwan Sohail Anwar Sajid
      Yusuf Ismail Khalid Aslam Akram Mushtaq Naseem Parvez Rafiq Shakeel Zubair Adil Danish Farhan Junaid Sameer Shoaib`),
    female: w('Ayesha Fatima Zainab Nazia Shabana Farhana Rukhsar Sana Heena Nasreen Salma Rubina Shaheen Tabassum Yasmin Afreen Mehnaz Shagufta Naaz Zoya'),
    surnames: w('Khan Shaikh Ansari Qureshi Syed Siddiqui Ahmed Pathan Mirza Sayyed Hussain Rahman Ali Baig Malik Chaudhary Khatoon Begum Shah Rizvi Naqvi Abbasi Farooqui Usmani Mansuri'),
    middle: w('Mohammed Mohammed Mohammed Abdul Syed'),
    pinPrefixes: w('110 202 208 226 243 244 246 247 250 400 401 500 560 600 700 711 380 452 462 800 682'),
    cities: w('Lucknow Aligarh Moradabad Rampur Bareilly Hyderabad Mumbai Bhopal Kolkata Delhi'),
  },
];

/** Business names: [first word pool, line of business, legal suffixes]. */
export const BUSINESS_PREFIX = w(`Shree Sri Balaji Ganesh Laxmi Sai Krishna Om Jai Ambika Durga Hanuman Mahalaxmi Vinayak Siddhi Tirupati Annapurna
  National Bharat Indian Hindustan Royal Star Sun Galaxy Supreme Classic Modern Global United Prime Omkar Shiv Radhe Ganga Kaveri
  Narmada Himalaya Sahyadri Deccan Coastal Metro City Apex Zenith Pioneer Eagle Lotus Kamal Tulsi Saraswati Kalyan Mangal`);
export const BUSINESS_LINE = w(`Traders Enterprises Industries Textiles Steels Agro Foods Pharma Constructions Motors Electronics Logistics Infra
  Exports Jewellers Plastics Chemicals Polymers Fabrics Garments Hardware Builders Developers Transport Agencies Distributors
  Marketing Solutions Technologies Engineering Castings Auto Spares Papers Packaging Dairy Rice Mills Oils Cement Timber Tiles`);
export const BUSINESS_SUFFIX: [string, 'C' | 'F'][] = [
  ['Pvt Ltd', 'C'],
  ['Private Limited', 'C'],
  ['Ltd', 'C'],
  ['LLP', 'F'],
  ['& Co', 'F'],
  ['', 'F'],
];

/**
 * Known transliteration variants (both ways). The first group is what the service's names.ts
 * knows; the second group is spellings it has no table entry for (only phonetics and Jaro–Winkler
 * can bring them together).
 */
export const VARIANTS: string[][] = [
  ['Mohammed', 'Mohd', 'Md', 'Muhammad', 'Mohammad', 'Mohamed'],
  ['Shri', 'Sri', 'Shree', 'Sree'],
  ['Lakshmi', 'Laxmi', 'Lakshmee'],
  ['Chaudhary', 'Choudhary', 'Chaudhari', 'Chowdhury', 'Choudhury'],
  ['Agarwal', 'Agrawal', 'Aggarwal'],
  ['Srivastava', 'Shrivastava', 'Srivastav'],
  ['Ahmed', 'Ahmad'],
  ['Syed', 'Sayed', 'Sayyed'],
  ['Shaikh', 'Sheikh', 'Shaik'],
  ['Venkata', 'Venkat'],
  ['Prasad', 'Prashad'],
  ['Kumar', 'Kr'],
  ['Mishra', 'Misra'],
  // Not in the service's table:
  ['Sunil', 'Suneel'],
  ['Deepak', 'Dipak'],
  ['Pooja', 'Puja'],
  ['Jitendra', 'Jeetendra'],
  ['Sandeep', 'Sandip'],
  ['Pradeep', 'Pradip'],
  ['Rajeev', 'Rajiv'],
  ['Sanjeev', 'Sanjiv'],
  ['Shweta', 'Sweta'],
  ['Preeti', 'Priti'],
  ['Jyoti', 'Jyothi'],
  ['Geeta', 'Gita', 'Geetha'],
  ['Sita', 'Seetha', 'Seeta'],
  ['Kavita', 'Kavitha'],
  ['Sunita', 'Sunitha'],
  ['Anita', 'Anitha'],
  ['Sujata', 'Sujatha'],
  ['Swati', 'Swathi'],
  ['Vijay', 'Wijay'],
  ['Banerjee', 'Banerji'],
  ['Chatterjee', 'Chatterji'],
  ['Mukherjee', 'Mukherji'],
  ['Bhattacharya', 'Bhattacharjee'],
  ['Chakraborty', 'Chakravarty', 'Chakrabarti'],
  ['Reddy', 'Reddi'],
  ['Naidu', 'Nayudu'],
  ['Qureshi', 'Kureshi'],
  ['Zakir', 'Jakir'],
  ['Iqbal', 'Ikbal'],
  ['Yusuf', 'Yousuf'],
  ['Rizwan', 'Rizvan'],
  ['Ganesh', 'Ganesha'],
  ['Srinivas', 'Shrinivas', 'Srinivasa'],
  ['Srinivasan', 'Shrinivasan'],
];

export const HONORIFICS = ['Mr', 'Mr.', 'Mrs', 'Smt.', 'Dr.', 'Shri', 'Sri', 'Ms.'];
